"""Mail adapters: SMTP out (STARTTLS, implicit TLS, authentication) and IMAP polling in."""
