"""The PDF engine: WeasyPrint in the project's sandbox, its workers, links, page numbers and preflight."""
