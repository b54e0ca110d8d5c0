"""Components every page shares: the phone shell, form fields, the dialog with a form."""
