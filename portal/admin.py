"""The admin as the portal composes it: publishing a new agreement version (agreements) starts
the re-confirmation of its earlier signatories (organisations), in the same transaction."""

from django.contrib import admin
from django.utils.translation import gettext as _

from agreements.admin import AgreementVersionAdmin
from agreements.models import AgreementVersion
from organisations.services import reconfirmation_invite


class PortalAgreementVersionAdmin(AgreementVersionAdmin):
    def version_published(self, request, version) -> str:
        count = reconfirmation_invite(agreement=version.agreement, actor=request.user)
        return _("%(count)s organisations were asked to re-confirm for the version in force.") % {
            "count": count
        }


admin.site.unregister(AgreementVersion)
admin.site.register(AgreementVersion, PortalAgreementVersionAdmin)
