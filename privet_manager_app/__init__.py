"""PrivetManagerApp: the «Привет Супер» manager's tool (Reflex UI + REST API + domain layer).

Layers, imported one way only — surfaces → domain → schema/infra:
  schema/  the tables (the client app's, NOT OURS, and ours) and the stored status values;
  domain/  the business rules and use cases in plain Python (no Reflex, no FastAPI);
  infra/   database engine and transactions, object storage, PDF and other machinery;
  api/     the REST surface (FastAPI); ui/ the Reflex surface; dev/ demo data for dev and tests.
"""
