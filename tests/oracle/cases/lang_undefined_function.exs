IO.puts "never printed"
undefined_thing(1)
