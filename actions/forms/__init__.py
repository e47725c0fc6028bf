"""Form validation for doing it for the customer: who they are, then the details the service needs."""
