"""The product's URLs plus the plain ceiling views under /bench/plain/ (used only by the benchmarks)."""

from django.urls import path

from bench import plain
from wangge.config.urls import urlpatterns as product

urlpatterns = [
    path("bench/plain/people/", plain.people),
    path("bench/plain/people/<int:pk>", plain.person),
    path("bench/plain/houses/", plain.houses),
    path("bench/plain/houses/<int:pk>", plain.house),
    path("bench/plain/addresses/", plain.addresses),
    path("bench/plain/addresses/<int:pk>", plain.address),
    *product,
]
