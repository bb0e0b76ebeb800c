"""The backend's Django apps, one concern each (see DESIGN.md section 3)."""
