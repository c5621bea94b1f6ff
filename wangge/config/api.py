from ninja import NinjaAPI

api = NinjaAPI(title="Wangge 网格 API", version="1", urls_namespace="api")
