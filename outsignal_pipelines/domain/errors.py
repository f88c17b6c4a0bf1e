"""The one refusal type. It lives in the domain because the domain's own rules (status machines)
refuse things too; the operations layer knows it as OperationError."""


class Refused(ValueError):
    """A request the product refuses, with a message meant for the person who asked."""
