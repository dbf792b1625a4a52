"""The dashboard: one board per signed-in person, its rows by role (services), the route
(views), and the registry through which record packages add what needs attention (panels)."""
