"""Registry pages, one module per family; urls.py joins their urlpatterns."""
