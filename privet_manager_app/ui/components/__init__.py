"""Components every page shares: the phone shell and sections (`layout.py`), form fields bound
to an input type (`forms.py`), the dialog with a form (`dialogs.py`), the signed copy's
download (`signed_copy.py`)."""
