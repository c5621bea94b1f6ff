"""The one scoping chokepoint: every list, detail, search, export and API read starts from visible_to()."""

from django.db import models


class ScopedQuerySet(models.QuerySet):
    def visible_to(self, user) -> "ScopedQuerySet":
        """Only the rows inside the user's areas (or, for police, their police grids).

        A user with no assignment sees nothing: deny by default.
        """
        from wangge.accounts.scope import visible_grid_ids

        if user is None or not user.is_authenticated or not user.is_active:
            return self.none()
        lookup = {f"{self.model.scope_path}__in": visible_grid_ids(user)}
        if getattr(self.model, "scope_through_many", False):
            # The path crosses a many-to-many: match by primary key so no row appears twice.
            return self.filter(pk__in=self.model._default_manager.filter(**lookup).values("pk"))
        return self.filter(**lookup)
