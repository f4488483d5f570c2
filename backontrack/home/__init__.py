"""The home page: one section per role, summarising what each domain app holds for the person
signed in. The top floor: it reads every app and no app imports it."""
