"""Request bodies schemathesis cannot make up: contract documents are PDF or Word files."""

from hypothesis import strategies as st

import schemathesis

PDF = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"
# Not a valid .docx: the server must refuse it with a 422, which the checks accept.
DOCX = b"PK\x03\x04\x14\x00\x00\x00\x00\x00word/document.xml"

schemathesis.openapi.media_type("application/pdf", st.just(PDF))
schemathesis.openapi.media_type(
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document", st.just(DOCX)
)
