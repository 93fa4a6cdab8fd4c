"""The organisations' own pages, one module per topic (see organisations/urls.py).

- ``organisation``: My pages, registering an organisation and editing its details (with its
  histories);
- ``accessions``: signing, one accession's page, its receipt and minutes, withdrawing,
  re-confirming;
- ``representatives``: the representatives' page, one POST view per action on it (invite, remove,
  approve or decline a request for access, withdraw an invitation), asking for access and the
  invitation link.

Every view asks organisations.permissions who may act and writes only through
organisations.services. Anonymous visitors are sent to log in; a logged-in user without the right
gets 403, or 404 for the private files (receipt, minutes). Officers and council members need
two-factor authentication here too (``mfa_required``): they see others' signed records.
Bad input re-renders the form with status 400; a refusal that conflicts with the current state
is shown with status 409.
"""
