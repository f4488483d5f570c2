from django.urls import path

from .views import matching, mentors, training

urlpatterns = [
    path("mentors/", mentors.mentor_list, name="mentor_list"),
    path("mentors/new/", mentors.mentor_create, name="mentor_create"),
    path("mentors/me/", mentors.my_mentor_profile, name="my_mentor_profile"),
    path("mentors/<int:pk>/", mentors.mentor_detail, name="mentor_detail"),
    path("mentors/<int:pk>/edit/", mentors.mentor_edit, name="mentor_edit"),
    path("mentors/<int:pk>/status/<str:to>/", mentors.mentor_move, name="mentor_move"),
    path("mentors/<int:pk>/checks/new/", mentors.check_create, name="check_create"),
    path("mentors/<int:pk>/conflicts/new/", mentors.conflict_create, name="conflict_create"),
    path("programmes/<int:pk>/invite/", mentors.mentor_invite, name="mentor_invite"),
    path("training/", training.training, name="training"),
    path("training/courses/new/", training.course_create, name="course_create"),
    path("training/courses/<int:pk>/", training.course_detail, name="course_detail"),
    path("training/courses/<int:pk>/edit/", training.course_edit, name="course_edit"),
    path("training/courses/<int:pk>/sessions/new/", training.session_create, name="session_create"),
    path("training/courses/<int:pk>/sign-off/", training.course_sign_off, name="course_sign_off"),
    path(
        "training/sessions/<int:pk>/attendance/",
        training.session_attendance,
        name="session_attendance",
    ),
    path("referrals/<int:pk>/match/", matching.referral_match, name="referral_match"),
    path("matching/", matching.pool_overview, name="pool_overview"),
    path("matching/drafts/new/", matching.pool_draft_create, name="pool_draft_create"),
    path("matching/drafts/<int:pk>/", matching.pool_draft, name="pool_draft"),
    path(
        "matching/drafts/<int:pk>/lines/<int:proposal_pk>/",
        matching.pool_proposal_edit,
        name="pool_proposal_edit",
    ),
    path(
        "matching/drafts/<int:pk>/confirm/", matching.pool_draft_confirm, name="pool_draft_confirm"
    ),
    path(
        "matching/drafts/<int:pk>/discard/", matching.pool_draft_discard, name="pool_draft_discard"
    ),
]
