"""The upload size limit (WANGGE_MAX_UPLOAD_MB), enforced before the body is read.

A request that announces a larger body is answered at once, without reading it: JSON 413 on the API, a
message and a redirect back on the web. A body without a length (chunked) is counted as it streams and the
file dropped once it passes the limit; the view then says so.
"""

from django.contrib import messages
from django.core.files.uploadhandler import FileUploadHandler, SkipFile
from django.http import JsonResponse
from django.shortcuts import redirect

from wangge.transfer.services import max_upload_bytes, too_large_message

# Room for the multipart boundaries and the other form fields around the file.
ENVELOPE = 64 * 1024


class LimitedUpload(FileUploadHandler):
    def __init__(self, request=None):
        super().__init__(request)
        self.limit = max_upload_bytes()
        self.received = 0

    def receive_data_chunk(self, raw_data, start):
        self.received += len(raw_data)
        if self.received > self.limit:
            self.request.upload_too_large = True
            raise SkipFile
        return raw_data

    def file_complete(self, file_size):
        return None


def upload_limit(get_response):
    def middleware(request):
        if request.method == "POST" and request.META.get("CONTENT_TYPE", "").startswith(
            "multipart/form-data"
        ):
            request.upload_too_large = False
            try:
                length = int(request.META.get("CONTENT_LENGTH") or 0)
            except ValueError:
                length = 0
            if length > max_upload_bytes() + ENVELOPE:
                if request.path.startswith("/api/"):
                    return JsonResponse(
                        {"detail": too_large_message()}, status=413, json_dumps_params={"ensure_ascii": False}
                    )
                messages.error(request, too_large_message())
                return redirect(request.get_full_path())
            request.upload_handlers.insert(0, LimitedUpload(request))
        return get_response(request)

    return middleware
