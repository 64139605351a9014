"""What a person does: the input rules, the stored item, registering, the personal link and page's rules, staff corrections."""
