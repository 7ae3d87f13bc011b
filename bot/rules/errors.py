"""Errors a person can fix. Their message is shown as is: it names the problem and the fix."""


class UserError(Exception):
    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        # The modal input (block id) the problem belongs to, for `response_action: errors`.
        self.field = field


class NotFound(UserError):
    pass


class Forbidden(UserError):
    pass
