"""The demo: the loader of synthetic data, its stories (mentors, referrals, mentorships) and
the `demo` command. It sits on top of the domain apps and drives them through their services,
as the people of the pilot would; no app imports it."""
