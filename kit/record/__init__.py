"""Record: the design record's data, its static HTML, the nbconvert export, the index and diffs."""
