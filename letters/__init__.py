"""Letters to households: templates kept by administrators, one letter as a PDF, print runs."""
