"""Publishing the follow-up from the AWS console: the upload checked and previewed in controle.txt, published on its code; the papers."""
