"""What anyone can ask qabot: welcome, help, my QA, and away or back."""
