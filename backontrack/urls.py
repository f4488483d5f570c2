from django.contrib.auth.decorators import login_not_required
from django.urls import include, path
from django.views.i18n import set_language

from backontrack.api import v1 as api_v1
from backontrack.core import views as core_views
from backontrack.home import views as home_views

handler500 = core_views.server_error

urlpatterns = [
    path("", home_views.home, name="home"),
    path("healthz", core_views.healthz, name="healthz"),
    path("i18n/setlang/", login_not_required(set_language), name="set_language"),
    path("", include("backontrack.accounts.urls")),
    path("", include("backontrack.audit.urls")),
    path("", include("backontrack.mentees.urls")),
    path("", include("backontrack.referrals.urls")),
    path("", include("backontrack.mentors.urls")),
    path("", include("backontrack.mentorships.urls")),
    path("", include("backontrack.network.urls")),
    path("", include("backontrack.reviews.urls")),
    path("", include("backontrack.programmes.urls")),
    path("", include("backontrack.concerns.urls")),
    path("", include("backontrack.lessons.urls")),
    path("", include("backontrack.evaluation.urls")),
    path("", include("backontrack.supervision.urls")),
    path("", include("backontrack.disclosures.urls")),
    path("", include("backontrack.workinggroup.urls")),
    path("", include("backontrack.api.urls")),
    path("api/v1/", include((api_v1.urls(), "api"))),
]
