"""What the API answers to ``OPTIONS``."""

from __future__ import annotations

from typing import Any

from rest_framework.metadata import SimpleMetadata
from rest_framework.request import Request


class Metadata(SimpleMetadata):
    """DRF's answer, without describing a body for a view that has no serializer.

    DRF would ask such a view (the bulk upload, which takes a file) for its
    serializer and fail with a 500. The OpenAPI schema describes every body.
    """

    def determine_actions(self, request: Request, view: Any) -> dict[str, Any]:
        # Imported here: DRF loads this class while rest_framework.views is still being imported.
        from rest_framework.generics import GenericAPIView

        if (
            isinstance(view, GenericAPIView)
            and view.serializer_class is None
            and type(view).get_serializer_class is GenericAPIView.get_serializer_class
        ):
            return {}
        actions: dict[str, Any] = super().determine_actions(request, view)
        return actions
