"""Documents built outside Streamlit: the static public site (reports.site) and, later, the PDF packets.

Both render the same Jinja2 templates (reports/templates) with the words of a locale file
(reports/locales/<lang>.toml, formatted by Babel through reports.i18n) and draw their charts
with components' figure builders: one set of charts for the app, the site and the packets.
"""
