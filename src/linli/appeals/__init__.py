"""接诉即办: resident appeals from intake to rating, with routing, deadlines and supervision."""
