from django.apps import AppConfig
from django.urls import register_converter


class BlogConfig(AppConfig):
    name = "blog"
    verbose_name = "Blog"

    def ready(self) -> None:
        from blog.converters import RowIdConverter

        # Once per process, before any URLconf is read: blog/urls.py and blog/api_urls.py use <id:...>.
        register_converter(RowIdConverter, "id")
