"""The whole app in headless Chromium at 390×844 against the live server (marker: browser)."""
