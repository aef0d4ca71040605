"""What the matching API's modules share: a list's page shaped row by row."""


class Shaped:
    """A queryset whose sliced page is shaped by ``shape`` (for ``@paginate``: the count and
    the page are two queries, and only the page's rows are shaped)."""

    def __init__(self, qs, shape):
        self.qs, self.shape = qs, shape

    def count(self) -> int:
        return self.qs.count()

    def __getitem__(self, index):
        return [self.shape(row) for row in self.qs[index]]
