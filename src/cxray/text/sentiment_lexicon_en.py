"""English polarity lexicon for customer comments, written for cxray (Apache-2.0).

Lower-case words grouped by weight; the lemmatiser only strips plurals and a few irregular
forms, so common inflections (-ed, -ing) are listed where customers use them.
"""

# fmt: off
WEIGHTS: dict[float, str] = {
 2.0: """
excellent outstanding superb fantastic amazing awesome wonderful brilliant perfect perfectly
exceptional flawless impeccable delighted delightful love loved lovely best superb
recommend recommended thank thanks grateful gratitude marvellous marvelous fabulous
phenomenal terrific stellar spotless first-class top-notch 10/10 legend star
""",
 1.0: """
good great nice pleasant polite courteous attentive friendly kind kindly helpful quick
quickly fast prompt promptly timely efficient efficiently convenient convenient
comfortable cosy cozy clean tidy neat quality professional professionally competent
knowledgeable clear clearly thorough thoroughly detailed tasty delicious fresh happy
pleased satisfied like liked enjoy enjoyed glad help helped resolve resolved solve solved
sorted fixed fix caring care considerate patient patiently calm respectful respect honest
honestly reliable reliably affordable cheap reasonable value bonus discount gift save
saved improvement support supportive smile smiling positive welcoming praise appreciate
appreciated decent nice well easy easily smooth smoothly seamless simple
painless gentle warm warmly responsive accommodating informative reassuring impressed
impressive superb excellent-service on-time spacious quiet modern accurate correct
""",
 0.3: """
ok okay fine alright
""",
 -0.3: """
wait waiting waited
""",
 0.5: """
acceptable average adequate fair
""",
 -0.5: """
pricey slowish slow slowly complicated complex noisy cramped stuffy little
""",
 -1.0: """
bad poor poorly long late delay delayed expensive overpriced queue rude rudely
unpleasant unfriendly inattentive indifferent cold dirty unclean messy inconvenient
unclear confusing confused incompetent unprofessional mistake error wrong wrongly
incorrect forgot forget forgotten lost lose broken broke faulty defective damaged damage
unhappy dissatisfied disappointed disappointing disappointment complaint complain
complained problem problems issue issues hassle inconvenience pushy overcharge
overcharged overcharging charged ignore ignored refuse refused refusal impossible
unreachable refund frustrating frustrated frustration annoying annoyed annoy sadly
chaos chaotic mess sloppy stale undercooked overcooked burnt tasteless bland raw
cancel cancelled canceled cancellation postponed rescheduled nervous shouting shouted
shout yelled boring stupid hidden fee fees penalty blocked dropped dropping drop outage
unreliable unresponsive unhelpful useless hopeless slow-service cut waste wasted
nightmare-ish lacking lack failed fail failure not-working again-and-again chasing chase
""",
 -2.0: """
terrible terribly awful awfully horrible horribly horrendous appalling atrocious
disgusting disgraceful disgrace worst nightmare pathetic shocking shambles rubbish
scam fraud fraudulent cheat cheated lied liar lie hate hated dreadful abysmal
unacceptable outrageous outrage humiliating insulting insult contempt arrogant
irresponsible filthy stinks stink smelly cockroach dangerous harmful ridiculous joke
incompetence rudeness furious livid avoid shameful shame
""",
}

PHRASES: dict[str, float] = {
 "so so": -1.0, "so-so": -1.0, "never again": -2.0, "waste of money": -2.0,
 "waste of time": -2.0, "left a lot to be desired": -1.5, "could be better": -1.0,
 "no problem": 1.0, "no problems": 1.0, "no issues": 1.0, "no complaints": 1.5,
 "as always": 0.5, "go above and beyond": 2.0, "above and beyond": 2.0,
 "on hold": -1.5, "hung up": -1.5, "not worth": -1.5, "on time": 1.0,
 "nothing special": -0.5, "well done": 2.0, "thank you": 2.0, "too long": -1.5,
 "took ages": -1.5, "ages": -1.0, "keep up the good work": 2.0, "fell short": -1.5,
}
# fmt: on
