"""A page that shows search results the way a person judges them: each query image with its top 10, their Hamming
distances, and whether each result shares the query's label."""
import base64
import html


def _img(data, size=84):
    return (f'<img src="data:image/png;base64,{base64.b64encode(data).decode()}" width="{size}" height="{size}" '
            f'style="image-rendering: pixelated">')


def write(path, title, summary_rows, queries):
    """queries: [(query_image_bytes, query_label, [(result_bytes, result_label, distance), ...])]"""
    rows = []
    for query_image, query_label, results in queries:
        cells = []
        for image, label, distance in results:
            ok = query_label is None or label == query_label
            mark = "" if query_label is None else ("&#10003;" if ok else "&#10007;")
            colour = "#1a7f37" if ok else "#cf222e"
            cells.append(f'<td style="border: 3px solid {colour if query_label else "#ccc"}">{_img(image)}'
                         f'<div>d={distance} <b style="color:{colour}">{mark}</b></div>'
                         f'<div class="label">{html.escape(str(label or ""))}</div></td>')
        rows.append(f'<tr><td class="query">{_img(query_image)}<div><b>query</b></div>'
                    f'<div class="label">{html.escape(str(query_label or ""))}</div></td>{"".join(cells)}</tr>')
    summary = "".join(f"<tr><th>{html.escape(k)}</th><td>{html.escape(str(v))}</td></tr>" for k, v in summary_rows)
    page = f"""<!doctype html>
<html><head><meta charset="utf-8"><title>{html.escape(title)}</title>
<style>
body {{ font-family: sans-serif; margin: 20px; }}
table.results td {{ text-align: center; padding: 4px; font-size: 12px; }}
td.query {{ background: #eef; border: 3px solid #446; }}
.label {{ color: #555; font-size: 11px; }}
table.summary th {{ text-align: left; padding-right: 16px; }}
</style></head><body>
<h1>{html.escape(title)}</h1>
<table class="summary">{summary}</table>
<h2>Top 10 by Hamming distance (green: same label as the query)</h2>
<table class="results">{"".join(rows)}</table>
</body></html>"""
    with open(path, "w") as f:
        f.write(page)
