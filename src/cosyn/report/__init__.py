"""Reports of a fitted model: CSV tables, the XLSX workbook, figures and the HTML report."""
