"""Line-exact markdown reading: blocks, headings, anchors and links, each with its line."""
