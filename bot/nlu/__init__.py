"""What users type, as training data for Rasa's understanding: the project's NLU files, the
example phrasings editors add in the staff web app, and retraining the model from them."""
