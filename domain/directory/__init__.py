"""The directory: the jurisdiction tree, posts and their rights, and who held which post when."""
