"""Layer 5: the nightly cycle and its steps, the writer lock, Airflow glue, tenants."""
