"""English fragments for patients' and employees' comments (written for this demo)."""

# fmt: off
OPENERS = {
    "neg": ["", "Really disappointed.", "Well...", "Second time this happens.",
            "Honestly expected more.", "Visited with my son yesterday."],
    "neu": ["", "Overall ok.", "Regular check-up.", "As usual."],
    "pos": ["", "Thank you!", "Great experience.", "Pleasantly surprised.",
            "Came with my daughter on Saturday."],
}
CLOSERS = {
    "neg": ["", "Won't come back.", "Not sure I'll return.", "Please fix this.", "Shame."],
    "neu": ["", "We'll see.", "Nothing special."],
    "pos": ["", "Highly recommend!", "Keep it up!", "Will tell my friends."],
}
THEMES = {
    "wait": [
        "Had an appointment at 10, was seen at 10:50.",
        "Waited almost an hour outside the office despite booking.",
        "Long wait and nobody explained the delay.",
    ],
    "rude": [
        "The receptionist was rude and clearly annoyed by questions.",
        "Staff at the front desk did not even say hello.",
        "Nurse was shouting at patients in the queue.",
    ],
    "booking": [
        "Impossible to get through to the call centre, 20 minutes on hold.",
        "Called three times, the line dropped every time.",
        "The operator booked me with the wrong doctor.",
        "They promised to call back and never did.",
    ],
    "price": [
        "Prices went up but the service is the same.",
        "Too expensive for a five minute appointment.",
    ],
    "results": [
        "Lab results were promised next day, got them a week later.",
        "Never received the SMS with my results, had to call myself.",
    ],
    "dirty": ["The restroom was dirty, no soap."],
    "doctor_bad": ["The doctor barely listened and rushed me out.",
                   "Appointment took five minutes, no time for questions."],
    "payment": ["Card terminal was broken, had to find an ATM."],
    "doctor_good": [
        "{doc} is the best, explained everything calmly.",
        "We only go to {doc}, she is very attentive and never in a hurry.",
        "Thanks to {doc} for being so patient with my kid!",
        "The doctor listened carefully and answered every question.",
    ],
    "kind": ["Friendly staff, very helpful.", "The nurse was gentle, didn't hurt at all."],
    "fast": ["Seen exactly on time.", "Quick and easy, no waiting."],
    "clean": ["Clean and cozy clinic."],
    "booking_easy": ["Booked online in two minutes.", "Got a reminder the day before, handy."],
    "results_ok": ["Results came by email the same evening."],
    "usual": ["Same as always.", "Routine visit, no complaints.", "Fine, nothing new."],
    "mixed": ["Good doctor but a long wait.", "Nice clinic, but pricey."],
}
FOLLOW_UP = {
    "wait": ["See patients on time.", "Text me if the doctor is running late."],
    "rude": ["Polite front desk staff."],
    "booking": ["Answer the phone!", "More call centre operators in the morning."],
    "price": ["Lower prices or a loyalty discount."],
    "results": ["Send results on time."],
    "dirty": ["Keep it clean."],
    "doctor_bad": ["More time per appointment."],
    "payment": ["A working card terminal."],
    "general": ["Open on Sundays.", "Parking near the clinic.",
                "Nothing really, I rarely give 10."],
}
STAFF = {
    "team": ["Great team, people help each other."],
    "manager_good": ["My manager listens and actually fixes things."],
    "patients": ["I like that we can treat patients properly."],
    "stability": ["Salary is always on time."],
    "salary": ["Pay has not changed in two years."],
    "workload": ["Constant overtime, we are understaffed."],
    "manager_bad": ["Management does not listen to staff."],
    "schedule": ["Shifts change at the last minute."],
    "equipment": ["Computers freeze all the time."],
    "ok": ["It's ok.", "A job is a job."],
}
STAFF_FOLLOW_UP = ["Review salaries.", "Hire more people.", "Listen to staff."]
# fmt: on
