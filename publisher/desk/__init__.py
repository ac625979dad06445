"""The clinic desk: a small web application to find, print and email leaflets, with an audit trail."""
