"""The 基本方針 and the 取扱規程 (事業者編・行政機関等編 別添1 2A, 2B) as versioned records."""
