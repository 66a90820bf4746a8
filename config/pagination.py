"""The API's page numbers, given once.

It lives apart from config/api.py: DRF reads DEFAULT_PAGINATION_CLASS while it defines its
generic views, and config/api.py imports DRF's views, so a paginator there was an import cycle.
"""

from django.core.paginator import Paginator
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions, pagination
from rest_framework.request import Request


class PageNumberPagination(pagination.PageNumberPagination):
    """DRF's page numbers, given once: DRF reads the last of ``?page=1&page=2``, where the schema says one integer."""

    def get_page_number(self, request: Request, paginator: Paginator) -> int | str:
        if len(request.query_params.getlist(self.page_query_param)) > 1:
            message = _("Send %(name)s once.") % {"name": self.page_query_param}
            raise exceptions.ValidationError({self.page_query_param: [message]})
        return super().get_page_number(request, paginator)
