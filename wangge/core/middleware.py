"""Chinese unless the user chose otherwise.

Django's LocaleMiddleware follows the browser's Accept-Language, so a county office PC with an English
browser would get an English screen. Here the language comes from the user's own choice (the cookie the
language switch sets) and otherwise is zh-Hans.
"""

from django.conf import settings
from django.utils import translation
from django.utils.cache import patch_vary_headers


class ChosenLanguageMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        self.supported = {code for code, _name in settings.LANGUAGES}

    def __call__(self, request):
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        language = chosen if chosen in self.supported else settings.LANGUAGE_CODE
        request.LANGUAGE_CODE = language
        # override() restores the thread's language afterwards, so one request's choice never leaks into
        # the next request served by the same thread.
        with translation.override(language):
            response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        patch_vary_headers(response, ["Cookie"])
        return response
