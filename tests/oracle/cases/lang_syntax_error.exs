IO.puts "never printed"
x = (1 + 
