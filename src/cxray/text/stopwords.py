"""Compact stop lists for Russian, Ukrainian and English customer comments.

Written for cxray. They hold function words only: pronouns, prepositions, conjunctions,
particles and auxiliaries. Negations (не, ні, нет, немає, без, not, no, never) and
intensifiers (очень, дуже, слишком, занадто, very, too ...) are deliberately absent:
they change the meaning of the next word and the sentiment scorer needs them.
"""


def _words(block: str) -> frozenset[str]:
    return frozenset(block.split())


# Words that negate the next content word; lemmatize() attaches them ("не_понравиться").
NEGATIONS: dict[str, frozenset[str]] = {
    "ru": frozenset({"не", "ни", "нет", "без", "нету", "никогда"}),
    "uk": frozenset({"не", "ні", "немає", "нема", "без", "ніколи"}),
    "en": frozenset({"not", "no", "never", "without", "nor", "cannot"}),
}

# Intensifiers are kept as lemmas; the sentiment scorer multiplies the next polar word.
INTENSIFIERS: dict[str, float] = {
    # ru
    "очень": 1.5,
    "слишком": 1.4,
    "совсем": 1.3,
    "вообще": 1.3,
    "крайне": 1.6,
    "абсолютно": 1.5,
    "максимально": 1.4,
    "самый": 1.3,
    "супер": 1.4,
    "настолько": 1.3,
    "невероятно": 1.6,
    "ужасно": 1.5,
    "жутко": 1.5,
    "дико": 1.5,
    "реально": 1.2,
    "довольно": 1.1,
    "весьма": 1.3,
    "чересчур": 1.4,
    "просто": 1.1,
    "так": 1.2,
    "такой": 1.2,
    "полностью": 1.3,
    "безумно": 1.6,
    "всегда": 1.1,
    "нереально": 1.5,
    # uk
    "дуже": 1.5,
    "занадто": 1.4,
    "надто": 1.4,
    "зовсім": 1.3,
    "взагалі": 1.3,
    "вкрай": 1.6,
    "цілком": 1.3,
    "найбільш": 1.3,
    "неймовірно": 1.6,
    "страшенно": 1.5,
    "такий": 1.2,
    "настільки": 1.3,
    "повністю": 1.3,
    "завжди": 1.1,
    "досить": 1.1,
    "справді": 1.2,
    "прям": 1.1,
    "прямо": 1.1,
    # en
    "very": 1.5,
    "really": 1.3,
    "so": 1.2,
    "too": 1.4,
    "extremely": 1.6,
    "absolutely": 1.5,
    "totally": 1.4,
    "super": 1.4,
    "incredibly": 1.6,
    "completely": 1.4,
    "truly": 1.3,
    "quite": 1.1,
    "most": 1.2,
    "highly": 1.4,
    "utterly": 1.6,
    "always": 1.1,
}

# Words that weaken the next polar word.
DIMINISHERS: dict[str, float] = {
    "немного": 0.6,
    "чуть": 0.6,
    "слегка": 0.6,
    "несколько": 0.7,
    "почти": 0.6,
    "трохи": 0.6,
    "трішки": 0.6,
    "ледь": 0.6,
    "майже": 0.6,
    "дещо": 0.7,
    "slightly": 0.6,
    "somewhat": 0.7,
    "bit": 0.6,
    "little": 0.7,
    "almost": 0.6,
    "fairly": 0.8,
}

# fmt: off
_RU = _words("""
а або бы был была были было быть в вам вас весь во вот все всё всего всех вы где да
даже для до его ее её ей ему если есть еще ещё же за здесь и из или им их к как ко когда
кто ли либо мне меня мной мы на над нам нас наш наша наше наши него нее неё ней нем
нём них но ну о об обо он она они оно от по под при про с со та так-то там те тем то
того тоже той только том ту тут ты у уж уже чем что чтобы чтоб эта эти это этого этой
этом эту этот я мой моя моё мои свой своя своё свои который которая которое которые
себя себе сам сама сами тот такая такие будет будут буду бывает является вроде ведь
разве лишь именно хотя между через перед после около потом тогда теперь сейчас
""")

_UK = _words("""
а або аж адже але б би був була були було бути в вам вас весь ви від він вона вони
воно все всі всього вже втім де для до його її їй їм їх з за зі із й і та також там
те тим то того тоді тому ту тут у чи що щоб щодо як який яка яке які який-небудь я
ми мене мені мною нам нас наш наша наше наші ним них ній нього неї на над під по при
про себе собі сам сама самі свій своя своє свої цей ця це ці цього цієї цих ти тобі
тебе ось от ж же ще тільки лише хоча між через перед після потім тепер зараз коли
хто бо ну навіть є буде будуть буду інший
""")

_EN = _words("""
a about above after again against all am an and any are as at be been before being
below between both but by could did do does doing down during each few for from
further had has have having he her here hers herself him himself his how i if in
into is it its itself just me more my myself of off on once only or other our ours
ourselves out over own same she should some such than that the their theirs them
themselves then there these they this those through to under until up us was we
were what when where which while who whom why will with would you your yours
yourself yourselves also get got one even still yet s t ll ve re d m
""")
# fmt: on

STOPWORDS: dict[str, frozenset[str]] = {
    "ru": _RU - NEGATIONS["ru"] - frozenset(INTENSIFIERS),
    "uk": _UK - NEGATIONS["uk"] - frozenset(INTENSIFIERS),
    "en": _EN - NEGATIONS["en"] - frozenset(INTENSIFIERS),
}
