package database

// M0040InvisibleText lets the external tests run the migration on data
// written before it.
var M0040InvisibleText = m0040InvisibleText
