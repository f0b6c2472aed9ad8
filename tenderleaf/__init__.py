"""Small pieces shared by every Tenderleaf app."""
