"""PrivetManagerApp: the «Привет Супер» manager's tool (Reflex UI + REST API + domain layer)."""
