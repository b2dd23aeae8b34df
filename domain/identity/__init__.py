"""Who a person is to the system: their password, enrolment codes and API tokens."""
