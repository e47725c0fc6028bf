"""Language pieces of Wayfinder: the spaCy pipeline built from the catalogue, and Rasa components."""
