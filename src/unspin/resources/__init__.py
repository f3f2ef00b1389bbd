"""Building and loading the data unspin needs: thesaurus, channel table, language model."""
