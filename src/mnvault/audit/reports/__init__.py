"""The auditors' reports: the periodic analysis of the trail (定期的な分析), rendered as HTML
and PDF, and the reports kept for auditors to open again."""
