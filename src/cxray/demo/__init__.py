"""The demo company: a chain of private clinics, «МедЛайн», with two years of history.

``generate(seed, n_patients, end)`` builds every canonical analytic table (see
:mod:`cxray.analytics.schema`, without the ``workspace`` column) from a fixed seed: the same
seed, size and end date always give the same data. The history runs from ``end - 730 days``
to ``end`` (default today), so the demo always looks live.

The chain: one company, three regions, six clinics (Kyiv x2, Dnipro, Lviv, Kharkiv, Odesa),
each with reception, therapy, paediatrics, diagnostics/lab and (four of them) dentistry,
plus a central call centre; about 200 staff with turnover. Patients belong to one of four
segments ("Семьи с детьми", "Корпоративные (ДМС)", "Хронические пациенты", "Разовые
визиты"). Each visit runs through the journey: (search) - booking by phone or online (or
walk-in) - reception - consultation - (lab - results) - payment - (follow-up call).
Surveys: post-visit NPS (0-10), CSAT (1-5) at reception, consultation and results, CES
(1-7, **7 = very easy**, the CES 2.0 agreement scale) after booking, and quarterly eNPS.

**Churn** (``customers.churned``/``churned_at``): a patient is churned when their last visit
is at least 180 days before ``end``; ``churned_at`` = date of the last visit + 180 days, so
it is never after ``end``. A patient who pauses for 180 days and comes back is not churned.

**Planted truths** (figures in :data:`PLANTED`; days count from the start of the history,
``DemoCompany.planted`` adds the resolved dates and the ground-truth customer ids):

1. *Attachment to a person.* Dr Ковальчук Олена Петрівна (``E0047``, therapy at KYIV-1),
   the chain's most popular doctor, leaves on day 425 (about 14 months in). Patients who had
   >=70 % of their (at least two) consultations with her churn at about 65 % in the six
   months after she leaves, against about 20 % for comparable patients of other doctors.
2. *Habit customers.* About 4 % of patients (chronic and family) come every ~30 days like
   clockwork. After the +18 % price rise on day 455 most of them stop within a few months,
   without complaining: their scores stay passive (7-8) and they never mention prices.
3. *High NPS right before churn.* In "Корпоративные (ДМС)" the employers listed in PLANTED
   switch insurer on day 520; their employees lose cover and leave, while scoring 9-10 up
   to their last visit (mean NPS in their last 90 days about 8.6; about two thirds of the
   segment's active patients churn).
4. *The touchpoint that drives churn* is ``booking_call``: a painful call (CES <= 3) makes
   the visit it booked about three times as likely to be the patient's last. A bad
   reception (long wait, rude desk, CSAT <= 2) lowers scores but barely changes churn.
5. *EX <-> CX.* Every department of ODESA-1 has a poor eNPS and higher staff turnover, and
   its patients' NPS is about 25 points below the other clinics'.
"""

from cxray.demo.generator import DemoCompany, generate
from cxray.demo.planted import PLANTED

__all__ = ["PLANTED", "DemoCompany", "generate"]
